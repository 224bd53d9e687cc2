# copy: the smallest solving model's state bytes at the end of one example — data in cost_solving_copy_state.csv
set datafile separator ','
set title 'copy: the smallest solving model''s state bytes at the end of one example'
set xlabel 'task size L'
set ylabel 'state bytes at the end of one example'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'cost_solving_copy_state.png'
plot 'cost_solving_copy_state.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba', \
     'cost_solving_copy_state.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Transformer'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'cost_solving_copy_state.svg'
plot 'cost_solving_copy_state.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba', \
     'cost_solving_copy_state.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'Transformer'
unset output
