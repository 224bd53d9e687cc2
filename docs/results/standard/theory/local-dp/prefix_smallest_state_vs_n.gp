# conv-window baseline, prefix format: smallest state vs n — data in prefix_smallest_state_vs_n.csv
set datafile separator ','
set title 'conv-window baseline, prefix format: smallest state vs n'
set xlabel 'problem size n (steps)'
set ylabel 'state (bytes)'
set key top left box opaque
set grid
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'prefix_smallest_state_vs_n.png'
plot 'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'smallest exact state', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with points lw 2 title 'one window slot less: fails', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'fit 896 + 448 n', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'information bound n log2(p) bits'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'prefix_smallest_state_vs_n.svg'
plot 'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'smallest exact state', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with points lw 2 title 'one window slot less: fails', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'fit 896 + 448 n', \
     'prefix_smallest_state_vs_n.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'information bound n log2(p) bits'
unset output
