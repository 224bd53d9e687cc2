# COPY (copy): smallest Mamba d_state reaching 95% — data in copy_state_copy_smallest.csv
set datafile separator ','
set title 'COPY (copy): smallest Mamba d_state reaching 95%'
set xlabel 'longest string L (tokens)'
set ylabel 'smallest d_state N (state floats per channel)'
set key top left box opaque
set grid
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'copy_state_copy_smallest.png'
plot 'copy_state_copy_smallest.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'Mamba d16×2 K4', \
     'copy_state_copy_smallest.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'Mamba d32×2 K4'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'copy_state_copy_smallest.svg'
plot 'copy_state_copy_smallest.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'Mamba d16×2 K4', \
     'copy_state_copy_smallest.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'Mamba d32×2 K4'
unset output
