# COPY error vs distance (N = 64) — data in theory_copy_error_vs_distance.csv
set datafile separator ','
set title 'COPY error vs distance (N = 64)'
set xlabel 'copy distance L (tokens)'
set ylabel 'max |read-out - value| over queries'
set key top left box opaque
set grid
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_copy_error_vs_distance.png'
plot 'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = N (Thm 3; below 1e-17 drawn at 1e-17)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = 16 (Thm 1)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'attention at needed beta (Thm 2)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'epsilon'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_copy_error_vs_distance.svg'
plot 'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = N (Thm 3; below 1e-17 drawn at 1e-17)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = 16 (Thm 1)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'attention at needed beta (Thm 2)', \
     'theory_copy_error_vs_distance.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'epsilon'
unset output
